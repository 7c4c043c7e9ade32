import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import StoreProvider from "./StoreProvider";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "PyK8s-Lab", template: "%s · PyK8s-Lab" },
  description: "Short-lived Kubernetes clusters on demand.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#2f4bd0" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <StoreProvider>{children}</StoreProvider>
      </body>
    </html>
  );
}

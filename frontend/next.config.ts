import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

// The API answers at these root paths (see pyk8s/urls.py); the UI never uses them as routes.
const API_PREFIXES = ["auth", "users", "clusters", "tokens", "ws", "docs", "api", "health", "metrics", "admin", "static"];
const DJANGO = process.env.PYK8S_DEV_BACKEND ?? "http://127.0.0.1:8000";

const base: NextConfig = {
  trailingSlash: true,
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
};

export default function config(phase: string): NextConfig {
  if (phase !== PHASE_DEVELOPMENT_SERVER) {
    // Django serves the exported files (pyk8s/frontend.py): no Node process at run time.
    return { ...base, output: "export" };
  }
  return {
    ...base,
    // Rewrites do not exist in a static export; in development they stand in for same-origin.
    skipTrailingSlashRedirect: true,
    async rewrites() {
      return API_PREFIXES.flatMap((prefix) => [
        { source: `/${prefix}`, destination: `${DJANGO}/${prefix}` },
        { source: `/${prefix}/:path*`, destination: `${DJANGO}/${prefix}/:path*` },
      ]);
    },
  };
}

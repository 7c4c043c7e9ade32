import Link from "next/link";

export default function NotFound() {
  return (
    <main className="card stack">
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to your clusters</Link>
      </p>
    </main>
  );
}

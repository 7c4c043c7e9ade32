def main() -> None:
    raise SystemExit("pyk8s: the CLI is not built yet")

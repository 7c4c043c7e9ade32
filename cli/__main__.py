from cli import pyk8s


def main() -> None:
    pyk8s(prog_name="pyk8s")


if __name__ == "__main__":
    main()

"""Сетевой наставник — entry point: `python main.py --help` lists the operator commands."""
from bot.cli import build_cli

if __name__ == "__main__":
    build_cli()()

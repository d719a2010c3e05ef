"""Telegram bot for the international video conference «Наша общая Победа»."""

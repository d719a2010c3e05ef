"""E-mail as a delivery channel over the one core: what each letter says (letters.py), the
links it carries (links.py), and the outbox that sends the letters a person's action asks for
(outbox.py) through the delivery ledger, once. Reminder waves by e-mail are planned where the
Telegram ones are (bot/services/reminders/). The SMTP side is bot/services/delivery/mail/."""

"""E-mail, the second delivery channel: the SMTP server setting (config), the message with
both parts and its headers (message), our Telegram texts as e-mail bodies (body), the SMTP
connection that tells sent from retry-later from undeliverable (transport), and the pace
(pacer). Nothing here knows Telegram or the web; imports stay light (the SMTP client comes with
the transport)."""

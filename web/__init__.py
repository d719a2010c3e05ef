"""The web pages of the conference: the same events, rules and texts as the bot, in a browser
(Telegram is unreachable for many participants). `web.app.create_web_app` builds them."""

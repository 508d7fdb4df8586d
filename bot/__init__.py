"""newsbot's front ends: the command line and (later) the Telegram bot."""

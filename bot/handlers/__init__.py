"""What the bot does with each update, one module a feature; the wiring is in :mod:`bot.app`.

* :mod:`.send`: every reply goes through :func:`.send.reply` (split under
  Telegram's limit, a user who blocked the bot marked inactive) or
  :func:`.send.respond` (a reply that also finishes the update);
* :mod:`.updates`: group -1 (claim the update, remember the sender, the flood
  gate), group 1 (the update is handled) and the error handler;
* :mod:`.start`: ``/start`` (a welcome with buttons), ``/help``, ``/lang`` and its keyboard;
* :mod:`.chat`: links, questions and the plain chat commands;
* :mod:`.latest`: ``/latest`` and its "More" button, the user's own articles only;
* :mod:`.sources`: watched channels and feeds, channel posts, the polling job;
* :mod:`.digests`: subscriptions, ``/settings`` and its buttons, filters;
* :mod:`.prompts`: a bare ``/watch`` or ``/facts`` asks; the reply is the argument;
* :mod:`.admin`: ``/stats``.

Errors a user can cause (:class:`summarizer.NewsbotError`) become a sentence
for that user (:func:`bot.texts.failed`); anything else goes to
:func:`.updates.on_error`. Store calls run off the event loop
(:func:`summarizer.off_loop`).
"""

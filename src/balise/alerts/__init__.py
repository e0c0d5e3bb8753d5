"""The alert inbox: events that pass the alert rules, and their triage by analysts.

`rules` decides which events alert and how severe they are (pure); `store` keeps the alerts and
their history in the workspace store and refreshes them from the events; `triage` holds the
analysts' actions (acknowledge, suspend, dismiss, reopen).
"""

"""Microsoft Teams on the Microsoft 365 Agents SDK: the /api/messages route, Adaptive Cards and the messenger.

Only this package imports the SDK (design 6), so an SDK upgrade touches one folder.
"""

"""HTTP clients for calendar and directory providers: Microsoft Graph, Google, iCalendar feeds."""

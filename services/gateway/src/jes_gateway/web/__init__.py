"""Web pages for people (zh-TW, phone-sized first). Sessions and CSRF are in `session`."""

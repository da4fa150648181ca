-- Services of the catalogue a profile blocks outright ("service:tiktok", "group:games").
ALTER TABLE profiles ADD COLUMN blocked_services TEXT NOT NULL DEFAULT '[]';  -- JSON array

-- A profile's time zone, schedules, daily budgets and pause, as one JSON object.
ALTER TABLE profiles ADD COLUMN time_rules TEXT NOT NULL DEFAULT '{}';

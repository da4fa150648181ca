-- The child's age, if known (under 18: the Decree 147/2024 gaming limits by default).
ALTER TABLE profiles ADD COLUMN age INTEGER;

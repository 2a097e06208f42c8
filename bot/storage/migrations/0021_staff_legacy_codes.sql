-- Staff members from before team codes got 'T' + their account id as code in 0010, and kept their
-- Telegram first name as the name young people see. Mark them here (a drawn code never holds a
-- hyphen); at start-up `retire_legacy_codes` gives each a drawn code and the default name.
UPDATE staff_members SET code = 'legacy-' || user_id WHERE code = 'T' || user_id;

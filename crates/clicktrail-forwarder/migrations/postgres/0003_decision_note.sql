-- What a decision to send noted about itself (a one-time payment sent as one item because Stripe
-- would not give its line items): kept when the job's outcome changes with each attempt.
ALTER TABLE jobs ADD COLUMN note TEXT;

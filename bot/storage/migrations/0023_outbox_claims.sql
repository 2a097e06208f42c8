-- Replicas share the outbox (issue 15): each undelivered reply is in one replica's hands, the
-- one that holds its claim (`claimed_by`, a replica name) until `lease_until` (epoch seconds).
-- The holder renews its leases; a killed replica's rows are claimed by another after the lease,
-- and a replica that starts takes only rows nobody holds (before, it took them all, so a reply
-- another replica was still retrying could go out twice). One process alone claims nothing.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;

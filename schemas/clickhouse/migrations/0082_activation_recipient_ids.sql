-- Activation (docs/activation.md): the ids each destination was sent for a recipient, so that an
-- erasure notice (person.deleted) names the person as the destination knows them, also when they
-- have no email or phone. Blanked with the hashes once the notice has been delivered.
--
-- Not named person_id / user_id / anonymous_id on purpose: an erasure deletes every row of a
-- table with such a column (packages/warehouse person-tables.ts), and this ledger must outlive the
-- erasure until the notice reaches the destination. Rows recorded before this migration read ''.
ALTER TABLE {{db}}.activation_recipients
    ADD COLUMN IF NOT EXISTS sent_person String DEFAULT '',
    ADD COLUMN IF NOT EXISTS sent_user String DEFAULT '',
    ADD COLUMN IF NOT EXISTS sent_anonymous String DEFAULT '';

-- The capacity in which each review was made, recorded when it is written: a regulatory submission
-- needs one steward's and one approver's review, whatever the directory says about them later.
ALTER TABLE review ADD COLUMN reviewer_role text NOT NULL DEFAULT 'steward' CHECK (reviewer_role IN ('steward', 'approver'));

-- The voucher signing keys (before: PEM files in the data folder's `signing/`, imported at the
-- first start with this table). `created` (unix seconds) orders them and is unique.
CREATE TABLE signing_keys (
    created     INTEGER PRIMARY KEY,
    private_pem TEXT    NOT NULL
);

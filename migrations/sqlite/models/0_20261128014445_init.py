from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "actor" VARCHAR(64) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "target" VARCHAR(64) NOT NULL,
    "details" JSON NOT NULL
) /* A non-identifying record of what happened: actors and targets are pseudonymous. */;
CREATE INDEX IF NOT EXISTS "idx_audit_log_at_63718d" ON "audit_log" ("at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_action_286eba" ON "audit_log" ("action");
CREATE TABLE IF NOT EXISTS "citizen" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "telegram_user_id" BIGINT UNIQUE,
    "phone_hash" VARCHAR(64) NOT NULL UNIQUE,
    "phone_enc" TEXT NOT NULL,
    "phone_masked" VARCHAR(32) NOT NULL,
    "full_name" VARCHAR(64) NOT NULL,
    "id_hash" VARCHAR(64) NOT NULL UNIQUE,
    "id_enc" TEXT NOT NULL,
    "id_masked" VARCHAR(24) NOT NULL,
    "birth_date" DATE NOT NULL,
    "language" VARCHAR(8) NOT NULL,
    "privacy_accepted_at" TIMESTAMP,
    "biometric_consent_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "last_sign_in_at" TIMESTAMP
) /* A platform account: the card holder who signs in with their phone number. */;
CREATE TABLE IF NOT EXISTS "family_member" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "full_name" VARCHAR(64) NOT NULL,
    "id_hash" VARCHAR(64) NOT NULL,
    "id_enc" TEXT NOT NULL,
    "id_masked" VARCHAR(24) NOT NULL,
    "birth_date" DATE NOT NULL,
    "relationship" VARCHAR(16) NOT NULL /* SPOUSE: spouse\nFATHER: father\nMOTHER: mother\nSON: son\nDAUGHTER: daughter\nGRANDPARENT: grandparent\nGRANDCHILD: grandchild\nOTHER: other */,
    "status" VARCHAR(16) NOT NULL /* NOT_VERIFIED: not_verified\nPENDING_REVIEW: pending_review\nVERIFIED: verified\nREJECTED: rejected\nLOCKED: locked */,
    "failed_attempts" INT NOT NULL,
    "attempts_day" DATE,
    "locked_until" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "verified_at" TIMESTAMP,
    "citizen_id" INT NOT NULL REFERENCES "citizen" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_family_memb_citizen_eedea1" UNIQUE ("citizen_id", "id_hash")
) /* A family member added by a citizen, to be authenticated. */;
CREATE INDEX IF NOT EXISTS "idx_family_memb_id_hash_598477" ON "family_member" ("id_hash");
CREATE TABLE IF NOT EXISTS "application" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(8) NOT NULL /* VIDEO: video\nPHOTO: photo */,
    "state" VARCHAR(16) NOT NULL /* SUBMITTED: submitted\nCHECKING: checking\nIN_REVIEW: in_review\nAPPROVED: approved\nREJECTED: rejected\nEXPIRED: expired */,
    "attempts" INT NOT NULL,
    "challenge" VARCHAR(64) NOT NULL,
    "reasons" JSON NOT NULL,
    "scores" JSON NOT NULL,
    "media_dir" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "citizen_id" INT NOT NULL REFERENCES "citizen" ("id") ON DELETE CASCADE,
    "member_id" INT NOT NULL REFERENCES "family_member" ("id") ON DELETE CASCADE
) /* One authentication request for one family member, with its state history. */;
CREATE TABLE IF NOT EXISTS "application_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "state" VARCHAR(16) NOT NULL /* SUBMITTED: submitted\nCHECKING: checking\nIN_REVIEW: in_review\nAPPROVED: approved\nREJECTED: rejected\nEXPIRED: expired */,
    "actor" VARCHAR(64) NOT NULL,
    "note" VARCHAR(255) NOT NULL,
    "details" JSON NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "application_id" INT NOT NULL REFERENCES "application" ("id") ON DELETE CASCADE
) /* A state change or notable step of an application: what, who or what made it, when. */;
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        """


MODELS_STATE = (
    "eJztXVtT2zgU/iuaPHVnaIcGCiyzszMhMZAWEiaktNOm41FsJdZiS64tQ7Pd/veVfInvwU"
    "6T1Lh+YWJJ50j+ji7n4iO+twyqIt1+1TFNHSuQYUpap+B7i0AD8R9Z1XugBU0zrBQFDE51"
    "tz1MNJzazIIK41UzqNuIF6nIVixs+j21hgQB6DANEebTAQt9dZDNwIxagPLqGTSwvgAGMq"
    "bI2gOPmGkAMxvYDDIENGwzai1eie5UqvD+MJlvnLNDMCeVGZ0jztHi/D9/4cWYqOgbsoNH"
    "816eYaSrMQixKhi45TJbmG5Zn7Bzt6EY9FRWqO4YJGxsLphGybI1JkyUzhFBFh+YYM8sR4"
    "BJHF33oQ/w9UYaNvGGGKFR0Qw6uhCJoPYGEJa1ZHkwHMu30liWWylxBRQRnP0ihRIhaj5U"
    "2337uRjCy/brw+PDk4OjwxPexB3msuT4h9d1CIxH6MIzGLd+uPWQQa+Fi3EI6j1/rTSsXQ"
    "1aEnEMF9s+HxAkCkphHNAmUObDT6IcYLoK5qAgxDmc6esD3brr96ThKXjAKqITcnM5HPMn"
    "U6OMJid6jgAM+E3WEZkzjT+erAD7rjPqXnZGL07+EJwpX67eUh74FW1RI6QRou+uj3XhXx"
    "LvDv+W7UwNzATTkmK4fX923R+Ppd4pWPKYkO6l1H3XH1ycAkVDCp9P8wnpD+SRdNeXPpwC"
    "TGQLPWD0OCGdm5vR8E6Q853Rog+CeiS9lbouSwv9gxSXo/Txpj8SReibiS1/nCWF/PqogJ"
    "RfH+WKWVTF5Qz56xoms0tsYFGSp7exTQl4v9LbWAiookFdyCtn8WRDGiPa4aIpuVaKgxqb"
    "tUeHBWbt0WHurBVVcZAtBG3eYxrit7fDQTbEEZIEwCpWGPgP6FwX2BrQf80corgKytTBOs"
    "PEfiX6+3tbAlgBuIBIcDZs+6seBfrFdedjUgbdq+GZCxm12dxyubgMzpLHhUJFbQl5hBTV"
    "EIfotjbiMJCKoaxiq8wmFCOq3SbUfvOmwC7EW+VuQ25dYrPnuwpHQ4YsDXSP1zBsoJwdP0"
    "aZXAI+6avgR3W01uLo8xdUh0RftDyzZAX44/61dDvuXN/E1kGvM5ZETdstXSRKXySVnCUT"
    "8KE/vgTiEXwaDqTkclm2G39qiTFx+5HKhD7KUI1YUEFpgFpM6o6prin1OGUj9apIPcAoIn"
    "Z/9KHUPbXdXkPqccoaSv35Sjm9uFWkcIN8ncUdp9yAmP29qJHy5qWsYIb/RUQu5bmLE+3O"
    "9K28Ey+qeAo/azlYYzQNqj6qwtk8u8/0jPrzMA3xOTep8Jy8Q4uUfy6Bq+/074acnhnEP4"
    "JZFJSG+6UFH5c++sSa5Qjw90bMs4Q6t91OT2plTOANQHvuBh6ul+xqim9s8WbDK2byFCr3"
    "j9BS5ZwpjR4QyXJCnvl05+9GSF/GnLIRj0SwJMGuRqi7GNI2jWAXQzVdZbSNZAkkcO6+ku"
    "hb9JSH2+ro4BLbQiFCGS2bPxko7PhROUWDZI4AtQChLk9ejkxAZwASEOF9Ch41yPb4Xyoa"
    "iwdgQBUB7BYiko4YbqeLJnRYrdDhcwterRE8/M2jVgqjpXybS4IqC7Uy4RW+J5YKXwXtG6"
    "dxEaexihjEeqlgSYSkiZZsPFpS3tVTW0/eM/XfFvHaR5XSUlpXmrBxUjztpEh8JviT1nTi"
    "68RnBnVRYzo908pa1Fu1Ex0Vsys6b2XZh0Hd3kq7ULSSdb9ZAXuQUPISq+LzztmCA8z1Uo"
    "VaqjDTXEtM413xmaByJVbodzY33lTAoMXNMP7bQsC0kaNSsjCoY2cZgxvn31iC1bIEq320"
    "7xTpGp/sjTW4TWsQKtmH+Ep8sz21GwN4pytny/h6B0oZfEOK2lncm4e3MbcrYG6nDIVfo8"
    "IG8c4MDTYSCs1XYCOR1yLqq6lDNqOWwdVHhTqE8X1LQ0DhrwE0qqvIcuMKNreEbICJl5zE"
    "W2BLpIEQxEcvgmtZiusGOTcqa7VUVsbtvbkFDdmxc76kOMPzXJSzqNdyVyQ/PqoC5n+22w"
    "cHx+39g6OTN4fHx29O9pfgp6tWSeGsfyEEEdu/0h+zuEtF1qCtlTmc41SbOaB/LfhbPqA9"
    "wBBR0iiP0beceR4jqoUav8ogkz6OVx/DS3vsaji4CJonz+Ys2A1o36OcPMtVyId0tQA/Ps"
    "cP2gXm+EE7d46LqjjYM96r7D6UQDpGVEOYN7+VYLX0dh0hafbqIgCX3KhDilrM4F3v0hy+"
    "8lt0jKgWsCfC8kXmdTt/XrdT83qKLabJauZnQ8JfnI1znGqVz/gZQr4CYuH0TQCoQzJ3YL"
    "ms5yjNDh1Znv2+/Vm64RsZTAs/QGUhc4sfmeuln+WwaFJVqpyqMsXUQPx1FTd+jAhbQ/B5"
    "PBrJV1nyTXZx/k5b32imDm0mC8+tjMkaos8gb1Z51VZ5iXBI5hdVm8uUeYZrPzdJJp3H9Z"
    "M41TSHa6vZRDHMMuJsSUzzg23e1X1ymJFXJOQWu+8P8GWIVDBdAAj80N0eYBRMY9cGIjUr"
    "wrY+o4yA2udo5DDwOH1pwmy/MMzWeGR/G49svT8falyyK5TBxiXbuGR/V5es5eu3tobN7K"
    "n6dDJskkeVZ27r9mb4/lY6BbZJHRtNyHlnfCmNBHOhh03I9dB7Nqj3fDsc8MaUTEiv8/7i"
    "cizqVOjMNSZqL0adQe+mM5IG41MwtyBRTWhxTc+v6V72r3p+haJhXZ0Qn73LPalRFllDm8"
    "+TFbnMToYRVDwT2sn6CnKb3nlCmfyALMwHXPoqX1F3J436532RsRzlNCE30qDXH1wsc6FN"
    "RFQummVCdEgX0mQlRF8Nu+9EiU6V+6qkQ88g1l1vX+m7fDMomyt9k9+BBejwY2VR5ixK0v"
    "3kafR8fHBZ8UF3ucgOt5T10i7NBG3jz6yaP7OJWhTbmOobtQgOzTXEniBtVnelV3dzceIu"
    "suebK/42e8VfE1+reNioww8BRWtlXS3g1eytvFggbPNUjCgfhiYRqloRGq4X2CUTjyMkVf"
    "ZUretj3cZtVGJRlUDYb15DdF/v7xfxy+zv5ztmRF3iH0RQwvz7L+MI5ycfR0h2n3z8a7Tg"
    "eqQZ//gfKLlyEw=="
)

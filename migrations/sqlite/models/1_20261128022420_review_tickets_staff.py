from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        CREATE TABLE IF NOT EXISTS "ban" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "telegram_user_id" BIGINT NOT NULL UNIQUE,
    "reason" VARCHAR(255) NOT NULL,
    "banned_by" BIGINT,
    "banned_at" TIMESTAMP NOT NULL
) /* A Telegram user the bot no longer serves. */;
        CREATE TABLE IF NOT EXISTS "key_value" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" JSON NOT NULL
) /* Small pieces of bot state shared by all processes (e.g. the Reviews topic id). */;
        CREATE TABLE IF NOT EXISTS "reference_photo" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "id_hash" VARCHAR(64) NOT NULL UNIQUE,
    "path" VARCHAR(255) NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* A reference face for an ID number (the local stand-in for the photo registry). */;
        CREATE TABLE IF NOT EXISTS "staff" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "telegram_user_id" BIGINT NOT NULL UNIQUE,
    "role" VARCHAR(8) NOT NULL /* AGENT: agent\nADMIN: admin */,
    "name" VARCHAR(64) NOT NULL,
    "added_by" BIGINT,
    "added_at" TIMESTAMP NOT NULL
) /* A support agent or an admin (admins from ADMIN_IDS need no row). */;
        CREATE TABLE IF NOT EXISTS "review" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "status" VARCHAR(8) NOT NULL /* OPEN: open\nCLAIMED: claimed\nDECIDED: decided */,
    "card_message_id" INT,
    "claimed_by" BIGINT,
    "claimed_at" TIMESTAMP,
    "decided_by" BIGINT,
    "decided_at" TIMESTAMP,
    "decision" VARCHAR(16) NOT NULL,
    "reason_code" VARCHAR(32) NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "announced_at" TIMESTAMP,
    "application_id" INT NOT NULL UNIQUE REFERENCES "application" ("id") ON DELETE CASCADE
) /* An application waiting for (or decided by) a support agent. */;
        CREATE TABLE IF NOT EXISTS "ticket" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "telegram_user_id" BIGINT NOT NULL,
    "topic_id" INT,
    "status" VARCHAR(8) NOT NULL /* OPEN: open\nCLOSED: closed\nBLOCKED: blocked */,
    "opened_at" TIMESTAMP NOT NULL,
    "closed_at" TIMESTAMP,
    "closed_by" BIGINT,
    "citizen_id" INT REFERENCES "citizen" ("id") ON DELETE SET NULL
) /* A conversation handed from the bot to the agents, in its own forum topic. */;
CREATE INDEX IF NOT EXISTS "idx_ticket_telegra_166e14" ON "ticket" ("telegram_user_id");
        CREATE TABLE IF NOT EXISTS "ticket_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "direction" VARCHAR(8) NOT NULL,
    "sender" BIGINT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "ticket_id" INT NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE
) /* One line of a ticket's transcript: `direction` in (citizen), out (agent) or note. */;
        ALTER TABLE "application" ADD "reference_path" VARCHAR(255);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        ALTER TABLE "application" DROP COLUMN "reference_path";
        DROP TABLE IF EXISTS "ban";
        DROP TABLE IF EXISTS "reference_photo";
        DROP TABLE IF EXISTS "review";
        DROP TABLE IF EXISTS "ticket";
        DROP TABLE IF EXISTS "staff";
        DROP TABLE IF EXISTS "key_value";
        DROP TABLE IF EXISTS "ticket_message";"""


MODELS_STATE = (
    "eJztXetz2rgW/1c0fLnpTLaT0udy79wZEmjCNoEMod2dXXZcYQvQjS15bTkpd2//9yv5bW"
    "MTCwwxrj80BUlHNr+jx3np6O+WQTWk2y+7pqljFTJMSasD/m4RaCD+Iav6FLSgaUaVooDB"
    "me62h6mGM5tZUGW8ag51G/EiDdmqhU3/Sa0RQQA6bIkI8+mAhf5ykM3AnFqA8uo5NLC+Ag"
    "YyZsg6BY+YLQFmNrAZZAgssc2otXopHqdRlT8Pk0XpPTsEc1KF0QXiPVq8/z/+5MWYaOgb"
    "soOv5r0yx0jXEhBiTXTglitsZbplA8I+ug3FS88UleqOQaLG5ootKQlbY8JE6QIRZPEXE9"
    "0zyxFgEkfXfegDfL03jZp4rxij0dAcOrpgiaD2XiAqaynKcDRR7voTRWmtsSugiOHsF6mU"
    "CFbzV7XdX78Qr/BT+9Wb928+vH735gNv4r5mWPL+u/foCBiP0IVnOGl9d+shg14LF+MI1H"
    "v+s9ZhvVhCq08cw8V2wF8IEhWtYRzQplDmr59GOcB0E8xBQYRzNNK3B7r1ZdDrjzrgAWuI"
    "Tsnt1WjCv5lLymh6oOcwwIDfFB2RBVvyrx82gP2lO7646o5PPrwQPVM+Xb2pPPQr2qJGcC"
    "NC350f28IfEh8O/5btzAzMRKeSbLj7fH4zmEz6vQ4I+5iSi6v+xafB8LID1CVS+XhaTMlg"
    "qIz7Xwb9XzsAE8VCDxg9Tkn39nY8+iLI+cpo0QdBPe7/0r9wu7TQf5Dq9tj/7XYwFkXom4"
    "kt/z0lmfzqXQEuv3qXy2ZRleQz5D/XMJktsYDFSZ5exspi8Fmll7EIUHUJdcGvnMmTDWmC"
    "6ICTRnKuFAc1MWrfvSkwat+9yR21oioJsoWgzZ+4DvEvd6NhNsQxkhTAGlYZ+B/QuSywN6"
    "D/NXeI6gooMwfrDBP7pXjev/fFgA2AC4hEz4Zt/6XHgT656f6W5sHF9ejchYzabGG5vbgd"
    "nKe3C5WKWgl+RBTVYId4bG3YYSANQ0XDlswilCCq3SLUfvu2wCrEW+UuQ25deh2aIwtxEU"
    "gxIX+KBNjrlFsh7gv8exZVqwS5yhdyDocC2TrcPV7DsIFyNtkEZXrV8UlfBh+qoygUR5//"
    "QG1E9JU/MDaAPxnc9O8m3ZvbxNLT6076oqbtlq5SpSdpuTLsBPw6mFwB8RX8Phr20ytU2G"
    "7ye0u8E1fZqULoowK1mNIalAaoJbjumNqWXE9SNlyvCtcDjGJs998+4rqnKdlbcD1JWUOu"
    "Hy+X1ye3hlSsbTW5k5QlsLli+2mduKxihv+LiCJlLE0SHc7aUHm7aVzWF6ZtOVgTNA2qPq"
    "rCvj+/zzRG++NwHeKPXIvFC/IJrdZMoilcfT/LRdTTkUH8PRhFQWm0XlrwMXSLpOYsR4D/"
    "bsQ8fah7d9Ht9VsZA7gEaD+6vp6bsLua4puYvNnwipE8g+r9I7Q0JWdIowdEsuy+5z7dx0"
    "9jpIduvmzEY07DvuiuRqi7GNI2jWGXQDVZFTcJCLdAPqwjgiaU/3ka3HHY01EKLdmIGm0j"
    "hagBCVy4bym6E8R5g2uz1zocgIVc1woKmz/pwO763mJ1CckCAWoBQt0+eTkyAZ0DSECs7w"
    "54XEJ2yv9S0Vh8AQbUEMBuISLrnuz9PKJxaVfLpX1sTtUtnNo/uDdVZVTK5h4SVJmplXH7"
    "8TVRyq0atG+cGUUs6xpiEOtSTrwYSePFK92LJ28Pq62580iN3EVcG3GhVErqWidsLDlPW3"
    "JS4as7mhxSUbNHBnVRi8P6SJM1O0gp07J6oqNhdk0XrSz9MKg73agXilaK7jcroA8SSn7C"
    "mgg7nq84wFwuVamlCTXN1cSW/FF8JGhciBXync2VNw0waHE1jH+2EDBt5GiUrAzq2FnKYO"
    "n9N5pgtTTBam/tB0W6xjt7ow3uUxuEavYmvhHfbItraQAfdObsGV9vQ5HBN6KoncZdPryN"
    "ul0BdXtNUXgeEfYcZp7JE8UbBdcZLHgGrwsmXFxfWNAAjo0swIVAMKOMC5pAp2TBS3jpA8"
    "oURiUoGzGzWmIm81mnCNZlWhfO8SIX5SzqckwMVQD953b79ev37bPX7z68ffP+/dsPZyH6"
    "61Wb2HA+uBScSCw662E63vkTmd00oqjdbroX+zVfDLlOrMxWcqM8QbbV8K6Y//15xrcPo7"
    "ximyBsTNdVV3ArIjEFYXQZUlMswi5fcooF9BWRnkwdsjm1DABVlTqEdVw5SOU/AyypriHL"
    "jcSw8YLYABMvzQBvgS1xoJsg/vYiZitLuiqx50b6aqSvAttTFTA/8ObkThVlCW2pM3pJqn"
    "KEsOcFf88mDQ8wRNR1lCfoW844TxDVwvC5aYfv/zbZbLgIN/jr0fAyaJ62ZmTBbkD7HuVk"
    "TNmEfERXC/CTY/x1u8AYf93OHeOiKgn2nD9Vcb9IIJ0gqiHM5S8lWJNermMkzVpdBGDJhT"
    "qiqMUIPvQqzeGTX6ITRLWAPWUIKjKu2/njur02rmfYYktFywy0FoaIHCNEgmqTFeIIId8A"
    "sbAipADUIVk4UC5/UZzmgMZKT3/f/ygtObeaaeEHqK4UrvEjc7usBjldNCegq3wCeoapgf"
    "jPVd2IO0TYNtbSnD4azleZ803SmvyVtl7m8eROajNFWG4VTLZgfQZ5M8urNssl3CGZMejl"
    "HcA+wrmfe1J4PT3AjjjVNDVAMl4Pq/do1xP9E7eTo11HdjzGL+mETIyqDE9ketTluyO9NO"
    "VKlAqjiFMykdsc8IUKaWC2AhD4zs1TwCiYJVKkIy3LB7l9Rxkuxz/ivtXAJvdn44h8Rkdk"
    "Y7P+YWzW9Q5Jb4zWG8TlxmjdGK1/VKO15Qu29hKb2UP16QQr6T6qPHJbd7ejz3f9DrBN6t"
    "hoSj52J1f9sehcyGFTcjPyvhvU+343GvLGlExJr/v58moi6jToLJZM1F6Ou8PebXfcH046"
    "YGFBopnQ4pKeX3NxNbju+RXqEuvalPjdu72nJcoic6j83CsiP46Tof0Uz67jZJ2s2af/gl"
    "CmPCAL8xeWvrZE1H3pjwcfByILTrynKbntD3uD4WWYX8dEROOsCZPsRHQRTVaSnevRxSdR"
    "olP1viopduYQ6649VPrekgzK5vqSdKRcgA7fVjLi6PP3ojTdjrtRNa0LRT2o7nRRHK4p69"
    "JG3xRtY/GtmsW38esUW5jq69cJNs0t2J4ibWZ3pWd3k7H8EBmZmtza5ebWbjyQFXcb8QH9"
    "Beruz19zGYV1p5vcRfdopTyEzZ50Fd0ZUNeBiZGKbJFESpzf9/IN21w59p09ooVFeQubNz"
    "pBLxcv3ZNoXhZqGzBqYhVg7cW6A6n87nc4ycahkbFV+s2bgPEc23u+Uykcf0mo87OXhARN"
    "7pLNdvrjyl0yDm6yu3WvLs5Y01ItNq5ssXvxwsYFXOEhGW8i/lBLJEwf9PzjseBErDVct4"
    "a6WJmI9hMmbiNR7D6I97DgA9BaZaxv5XY/JRNeig2OJphjnX+0Ae/aWok4XgAZb2qzf4Kv"
    "vmvwq6gX/fCViteLIrHGipLw+c3p3wo63avgDa7hhhQLo5e8cnOnizarJrgeIJ+KTR1LlQ"
    "oZiSgO6EQJVtZ9beX7dmg0NsR86OtlQ6yMwObeK5QpqAU3Dm0S0MI2T8tliTtrwCPETGQz"
    "FpLRCf/n397I1cMXAALbMU1qMcBfmrAMIWy3vhrpqFrS0RF666kpfd6wNbrtDztAUE7JxX"
    "WXrxu9DlB1yNdjbUp6/YtBT5T4o3cbD3vJZxNF4iHFQLbNp46k4XudskbZ1EpzsPvMl05T"
    "l6SrEbIHTgUU4LiFuJWgbFx3VXbdBRdDy86yJF0zy7adZc2V3j/KLLMlc/DHaWqX17Z864"
    "CXBJjjp0lZYlJktQO6/Lxe2XcL5h8sqdHdgoc+VNJYvPJHeb0sXonIYkKow5X5bfiepm3E"
    "giqLBZW70fDoLWk7WY4L3n0YXExfMNZux7ivZ2VJ0Wi7re493Mk2f8fgfN7KMM17FaebLP"
    "N22KTIjfZxCznw4hmgZmACTtz/bDC3qAG6vZvBUBn07gBBSBOXvlj0MTNEYvcOGxN9tUz0"
    "FUlfXknQD315DNVz1L8Cx1p92iqHPbS6l+7RU3fxmBJ3keh4y0cFfCKymTMOnzTjaC/Bc3"
    "PNSFtp41SNjXbbRcVDcQtlTCvVPtuo4D9C0ImfVyxDso0yjuWLtixqU0C25Qx9QJbtBYos"
    "IRFxIa7wGdxdyKj70d1t7FNxrQ5mNqCPbtCuY3iHEbKE3BJ7bqTdRtrdbjWsv7jrzhI501"
    "GcpEYiQWlhJz9kvNXozgu3oraItjoP0pnMts9nUrJmIV50KxksQdgIYVUXwpIBSGI4bhV/"
    "FCNsPCBV9oD4rJKP8YuR1WgXO3SI3zPlbagm+HVK21AxhEvI2sBfAQw/X18XS9vgh1eXku"
    "P7xuvrCIWDZ0nakAQt144RQ/Upc0YQLF/MrDEiCOiY/6FzAIHXwz9s/rsh8dp1wFcNW8g9"
    "5f5VWB5O/GH34hRQh4ET1yjxQrjmROzSunljL09ozBzVMnOEDJRxaCSIquxH2tKvUbJWZy"
    "P+oyw50S+iqVPKqAMLfvf818qM66D9AY0aDH1jh3HWlR+LHLx70RDZoH0N/KCHDpHdwivX"
    "mIIqZScoYgry5UA5Q3ecpk57xb701Mh3uKOaWvhqpKoBXFRNTQwt2dyC+9S9usjC6rKVoX"
    "T5NaebtC0YtXlKy8qHtNFjqqXHCDe8pBYTI6mhDrOXFEBiUkkg7DevIbqvzs6KSNNnZ/ni"
    "tKhL2akpYYhkbE35ORRjJIfPovg8zp965Ev8/n/qhtQ7"
)

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        CREATE TABLE IF NOT EXISTS "erased_application" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(8) NOT NULL /* VIDEO: video\nPHOTO: photo */,
    "state" VARCHAR(16) NOT NULL /* SUBMITTED: submitted\nCHECKING: checking\nIN_REVIEW: in_review\nAPPROVED: approved\nREJECTED: rejected\nEXPIRED: expired */,
    "reasons" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "decision_seconds" REAL,
    "erased_at" TIMESTAMP NOT NULL
) /* What statistics need of an application whose citizen deleted their data: no link to */;
        CREATE TABLE IF NOT EXISTS "revoked_ecard" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "member_key" VARCHAR(64) NOT NULL UNIQUE,
    "revoked_at" TIMESTAMP NOT NULL
) /* E-cards revoked when their member was deleted: every token of the member issued up */;
        ALTER TABLE "review" ADD "card_step" VARCHAR(48);
        ALTER TABLE "review" ADD "media_message_ids" JSON;
        ALTER TABLE "ticket" ADD "context_message_id" BIGINT;
        ALTER TABLE "ticket" ADD "agent_joined_at" TIMESTAMP;
        ALTER TABLE "ticket_message" ADD "message_id" BIGINT;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return r"""
        ALTER TABLE "review" DROP COLUMN "card_step";
        ALTER TABLE "review" DROP COLUMN "media_message_ids";
        ALTER TABLE "ticket" DROP COLUMN "context_message_id";
        ALTER TABLE "ticket" DROP COLUMN "agent_joined_at";
        ALTER TABLE "ticket_message" DROP COLUMN "message_id";
        DROP TABLE IF EXISTS "erased_application";
        DROP TABLE IF EXISTS "revoked_ecard";"""


MODELS_STATE = (
    "eJztXVtz2zYW/isYvawzo2YSx7msdmdnZEtJ1NiSR1bSTqsOA5GQhJoCVAK0o+3mvy/Ai3"
    "iXSZqSKQYPTS0AByS/g8u54eDv1ooayGTPu+u1iXXIMSWtDvi7ReAKiT/SqtugBdfroFIW"
    "cDgznfYw1nDGuAV1Lqrm0GRIFBmI6RZee09qjQgC0OZLRLhHByz0l40YB3NqASqq53CFzQ"
    "1YodUMWW1wj/kSYM4A45AjsMSMU2vzXD7OoLp4HiaLynu2CRakGqcLJHq0RP+//yGKMTHQ"
    "N8T8n+tbbY6RaUQgxIbswCnX+GbtlA0If+80lC8903Rq2isSNF5v+JKSbWtMuCxdIIIs8W"
    "Kye27ZEkxim6YHvY+v+6ZBE/cVQzQGmkPblCyR1O4LBGUtTRuOJtpNf6JprQS7fIoQzl6R"
    "TolktXhV5nz9Qr7CT6cvz96evXv15uydaOK85rbk7Xf30QEwLqEDz3DS+u7UQw7dFg7GAa"
    "i34rOSsF4sodUn9srBdiBeCBIdJTD2aWMoi9ePo+xjugtmvyDAORjp5YFufRn0+qMOuMMG"
    "olNy/XE0Eb/WS8ppfKBnMGAFv2kmIgu+FD/f7QD7S3d88bE7Pnn3TPZMxXR1p/LQqziVNZ"
    "IbAfrO/CgL/5b4cPi3mD1bYS47LciGm8/nV4PJpN/rgG0fU3LxsX/xaTD80AH6EuliPC2m"
    "ZDDUxv0vg/4vHYCJZqE7jO6npHt9PR59keRiZbTonaQe93/uXzhdWuhPpDs99n+9HoxlEf"
    "q2xpb3ngWZ/PJNDi6/fJPJZlkV5TMUn7tac1ZgAQuTPLyMVcXgF7VexgJA9SU0Jb8yJk86"
    "pBGiA06agnMlP6iRUfvmLMeofXOWOWplVRRkC0EmnpiE+Oeb0TAd4hBJDGAD6xz8D5hCFt"
    "gb0P+e20R3BJSZjU2OCXsun/effTFgB+ASItnzirG/zDDQJ1fdX+M8uLgcnTuQUcYXltOL"
    "08F5fLvQqawtwI+Aoh7skI9tDDtWyMBQM7BVZBGKEDVuETp9/TrHKiRaZS5DTl18HZojCw"
    "kRSFtD8ZQCYCcpSyHuCfx7FlXrBLkuFnIBhwZ5Eu6eqOF4hTI22QhlfNXxSJ/7f9RHUciP"
    "vvhAY0TMjTcwdoA/GVz1bybdq+vI0tPrTvqy5tQp3cRKT+Jy5bYT8Mtg8hHIn+C30bAfX6"
    "G27Sa/teQ7CZWdaoTea9AIKa1+qY9ahOv22ijJ9Sil4npduO5jFGK79/YB111NiZXgepSy"
    "gVw/Xi4nJ7eBdGyUmtxRygrYXLP9tElc1jHH/0VEK2QsjRIdztpQe7tpWNaXpu1isEZoFK"
    "oeqtK+P79NNUZ74zAJ8XuhxeIF+YQ2CZNoDFfPz3IR9HRkEH/3R5FfGqyXFrzfukVic1Yg"
    "IL4bcVcf6t5cdHv9VsoArgDa946v52rbXUPxjUzedHjlSJ5B/fYeWoaWMaTRHSJpdt9zj+"
    "79pzEyt26+dMRDTsO+7K5BqDsY0lMawi6CarQqbBKQboFsWEcETaj452Fwx9uejlJoSUd0"
    "dbqKIbqCBC6ct5TdSeKswbXba70dgLlc1xraNn/Qgd31vMX6EpIFAtQChDp9inK0BnQOIA"
    "Ghvjvgfgl5W/xLZWP5A6yggQB2ChFJerL38wjl0q6XS/vYnKolnNo/uDdV57SQzX1LUGem"
    "1sbtJ9bEQm5Vv71yZuSxrBuIQ2wWcuKFSJQXr3IvXnF7WGPNnUdq5M7j2ggLpYWkriShsu"
    "Q8bMmJha8+0uQQi5o9MqjzWhySI62o2aGQMl1UT7QNzC/popWmH/p17Z16oWylmV6zHPog"
    "oeQnbMiw4/lGACzkUp1ahlTTHE1sKR4lRoIhhFgp3zGhvBmAQ0uoYeJvC4E1Q7ZByWZFbZ"
    "amDFbev9IE66UJ1ntrPyjSDd7ZlTa4T20Q6umb+E580y2ulQF80JmzZ3zdDaUIvgFF4zTu"
    "6uFV6nYN1O2EovA0Iuw5TD2TJ4t3Cq4zmPMMXhdMhLi+sOAK2AxZQAiBYEa5EDSBSclClI"
    "jSO5QqjBagVGJmvcRM7rFOk6xLtS6c40UmymnU1ZgY6gD6P09PX716e/ri1Zt3r8/evn39"
    "7sUW/WTVLjacDz5ITkQWnWSYjnv+pMhuGlA0bjfdi/1aLIZCJ9Zmm2KjPEJWanjXzP/+NO"
    "Pbg7G4YhshVKbruiu4NZGY/DC6FKkpFGGXLTmFAvrySE9rE/I5tVYA6jq1Ce84cpAuPgMs"
    "qWkgy4nEYHhBGMDETTMgWmBLHugmSLy9jNlKk64q7FlJX0r6yrE91QHzA29OzlTRlpAVOq"
    "MXpapGCHta8Pds0nABQ0RPojxB3zLGeYSoEYbPXTt8/9fJbsPFdoO/HA0/+M3j1ow02FeQ"
    "3aKMjCm7kA/oGgF+dIy/Os0xxl+dZo5xWRUFey6eqjk/CiAdIWogzNUvJdgovFyHSNRanQ"
    "fgggt1QNGIEXzoVVrAV3yJjhA1AvaYISjPuD7NHteniXE9wxZfakZqoLU0RGQYISJUu6wQ"
    "Rwj5DoilFSEGoAnJwobF8heFaQ5orHT19/2P0opzq60tfAf1jSY0frQul9Ugowt1ArrOJ6"
    "BnmK6Q+FzdibhDhJexlmb0oThfZ86rpDXZK22zzOPRnZRxTVpuNUxKsD6FXM3yus3yAu6Q"
    "1Bj06g5gH+HczzwpnEwP8EicGpoaIBqvh/Vb9NgT/ROnk6NdRx55jL+gE7JvQYaMBxKrJx"
    "u1dzkmkdNcK5xl/Rd5MECeEcZMDAQGCEJG8ty4dCYyBDzvJ3DPcBieQ1E6sjpOYBcmtyCZ"
    "hnofz5gSSDZgLSY4JW1AhRzgpGeXCbzb7pn4NhBqGCYIeBlc3cMOYrNTIWd1dHqqtO1PaV"
    "pQGQYanmFAZb6uQdS4Uu0fy4qj0O1UjsofkctMnnJmSHylkbLMvjcpzJAQ04hj7J5L6kax"
    "uDf6fH7ZB9fj/sXgZuCtr1ueOpWySBRg97D4uN+9jC2hvspTPMtvmLCBC2jDbKM1CR2O2I"
    "JSFPa4rShbV3cvF9OCBJZ5QokjN5IBgZjQjWcbAH2FuS20YjCLXGyGjLTI4fIdpejMv4cj"
    "ov1Imj+UJv2EmrSKNPthIs2SEKtQMxVqpkLNVKjZkUFeLNTM8txRbInXZY2W8T7qPHJbN9"
    "ejzzf9DmBrajM0Je+7k4/9sexcymFTcjVyf6+o+/tmNBSNKZmSXvfzh48TWWdAe7HksvbD"
    "uDvsXXfH/eGkAxYWJMYaWkLS82ouPg4ue16FvsSmMSVe907v9bBnSpuznaJn57dY22mK9j"
    "6jDgnl2h2ysHjhwpeNyrov/fHg/UBalsM9Tcl1f9gbDD9sbdZrRAzBmq3hOqALaNIM15ej"
    "i0+yxKT6bV3M1nOITUdTL3zbaAqlunQ0fr7NR0dsKymn37P3ojjdI3ejIzJbpcQ9O9NFs4"
    "WmbBY1RMVplZW3zlZe5bLJXpiaZXEMc93fNEuwPUaqZnetZ3fp2HoVUX9EXFa3yVUmSSb8"
    "Mureszyhpe0S956p6PCah/SKAf0Fms7nJxyD27r2LqfgLdpod9tmDzoEb1bQNMEaIx0xGU"
    "srcyu6d0GxJbQ8l55sYVHRgolGJ+j54rmTJci9IYwBTtdYB9h4lnQTVt/9IwJuBTRFLNJe"
    "c3WYP8PDku063I6/vDGCW4J6RAiqvLLVrGZjNEcWEvvytROfnLKmxVrsXNksv622DXfOE/"
    "CwJRNN5D/UkgcGBj3gpi4DJ3KtMakOTbkyEeMnTJxGsth5kOhhIQagtUlZ36rtfkomohSv"
    "BJpgjk3xJwOia2sjz1gDyEVTxv8FvnoO4K+yXvYjVipRL4vkGitLts9XhxRqGFpRB59/Az"
    "ekUIoDyIulWvPa19l7V9bvvI9ct4zall4oMCigOKCrzF9Z97WV79ttpSzF2dA3y1JcG4HN"
    "ufM5VVDzb4PeJaBt2zwsl8XObELM5U1TUjI6Ef95pxaEevgMQMDs9ZpaHIiXJjxFCHtcX0"
    "o6qpd0dIQxGXRdOBdUa3TdH3aApJySi8uuWDd6HaCbUKzHxpT0+heDnizxRm980D/B4U6Z"
    "FFpbIcbE1Clo+E5SNijTfWVhFB7zC18hEKVrELIHTtPs41hC3IpQKtddnV13/oHIorMsSq"
    "dmWdlZpo6y/iizjBW8HzFM07g7h/aVi0HgZxSyxMTIGgd09TnXCU07YpF9fMhv3wBoD310"
    "SFm8skd5syxekfhxQqgtlPkyfI/TKrGgzmKBYwlgHGWct9phPvCJSi2qNeNodMM6y2OnOc"
    "s21JwlLDVCFcUwZHAplK8plfhRcRk1Q//QKZpCtuliZrMkYXOuP602YrSItySVMUmujAia"
    "UPFPzvjSR8Y6PilL8kaYJsdjjijTx/qj6C0y+nIHaKV7pYL69gO+KdlSQ9umD7qo+j/Jtg"
    "x4pOB+iYiXRtRLenIPmZ9ftAPQHbI2gIumxI/C8ZphxmxBb68TnqvqHzElnIKv/tdC7sQI"
    "WWhuM2Q8B1/d5tot2jgVMCV0yG3yDyZjiGR5GzAqK6ZELvdAlwIXl4ld/qSYyHeWV0JCIm"
    "aFdLoJ3JFTRG3uxyapTKl1dLMFQ6GILBalUqFIMVksGYoUTMWimk2UsoEa7bErNjUJ2rjh"
    "cD5P2x3dip3bIts2yRFJGwmdAG6gKzRWmIAT538MzC26At3e1WCoDXo3boJuQoFF71NjZx"
    "/fodpU6rWp1OTO4VqCfmA/m0XN0qm4fdo6x8O2uh+czDPO4jElziLRcZeP+FLzBMEyRRPn"
    "HT5n3oHcMdVLVE6qycLu+zCVct6XXVRcFEtY6Y1KHfd1k2Qb5pupiWDrXQaUItkG1wRli7"
    "Y8aJNDthUMvUMWcyOIl5DIgGFH+JQ2DHlqlTtGEHe3YW0gZFR5UQy9d05z2Sv3lGqakFth"
    "z0raVdJuudWw+eKuM0uK+VfCJA0SCSqLR/4hA/FHN24cPmUyDP/cz2Y4K5/OsGLNQr5oKR"
    "ksQqiEsLoLYdHIdFruiooIoQqNqZsFOYXHxQ9/hMgatIsd+uwHJRx94zvPN+1kQyq94kdp"
    "Q4PUhjTXxVzG3pAkV6tfrVe/J0qoVzOWNjCfXs0QzhvstCOdnngFMPx8eZkvn563I1RyMf"
    "aV29cRCudZsO81m14UtEw7YgjVh8yJ/v6ez6w4IkheNI2cS6qB28M/mPhuSNx2HfDVwBZy"
    "0o99lZa/E2/YPWsDGUB14uxjz6RrXB4qSZoX9/IEZWasl5lxy8AiDsUIUZ39uCX9ilXfXI"
    "3ER1nFZP6Apkm5fA8s6Gdf2J4O+uEvaW9Jxe4wzvLqD4n675737KLfvgFxCIc+u1hCS1Wm"
    "2FppqnlMsWUNRMowVJGfz5XDizn6wjRN2qv3ZScIYiceaSYIAjWODOC8ZoLI0CqadH+fum"
    "8XWVhftlKUXq+mvUvbhUGbh7TcbEiVHlkvPVKGIRXUIkMkDdQh95IbV06qAgh7zRuI7ssX"
    "L/JoMy9eZKszsi7FT0dStqbsA+0hksNfL/A07p9mXCTw/f+jUVnn"
)

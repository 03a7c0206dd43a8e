"""Encryption of reporters' identity at rest with a key kept outside the database.

The key is a Fernet key in a file (`--key-file`, `YIBAO_WHISTLE_KEY_FILE`, default
`~/.yibao/whistle.key`), created with mode 600 on first use. Whoever holds the database
without the key file holds only ciphertext; back the key file up apart from the database.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from yibao.auth.roles import BilingualError

__all__ = ["ENV_VAR", "IdentityCipher", "ReporterIdentity", "WhistleKeyError", "key_path"]

ENV_VAR = "YIBAO_WHISTLE_KEY_FILE"


class WhistleKeyError(BilingualError):
    """The key file is missing where data exists, unreadable, or not the key the data was written with."""


@dataclass(frozen=True, slots=True)
class ReporterIdentity:
    name: str
    contact: str
    id_no: str = ""
    employer: str = ""


def key_path(value: Path | str | None = None) -> Path:
    return Path(value or os.environ.get(ENV_VAR) or Path.home() / ".yibao" / "whistle.key")


class IdentityCipher:
    """Encrypts and decrypts reporter identities with the key in `key_file`."""

    def __init__(self, key_file: Path | str | None = None, *, create: bool = True) -> None:
        self.path = key_path(key_file)
        if not self.path.exists():
            if not create:
                raise WhistleKeyError(f"密钥文件不存在：{self.path}", f"key file not found: {self.path}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        try:
            self._fernet = Fernet(self.path.read_bytes().strip())
        except (ValueError, OSError) as exc:
            raise WhistleKeyError(f"密钥文件无效：{self.path}", f"not a valid key file: {self.path}") from exc

    def encrypt(self, identity: ReporterIdentity) -> str:
        return self._fernet.encrypt(json.dumps(asdict(identity), ensure_ascii=False).encode()).decode()

    def decrypt(self, token: str) -> ReporterIdentity:
        try:
            return ReporterIdentity(**json.loads(self._fernet.decrypt(token.encode())))
        except InvalidToken as exc:
            raise WhistleKeyError(
                "密钥与数据不符，无法解密举报人信息", "the key does not match the data: cannot decrypt"
            ) from exc

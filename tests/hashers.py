from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """One iteration: fast in tests, and still verifiable by the product's own PBKDF2 hasher
    (iterations are stored in the hash), so server processes started by tests accept it."""

    iterations = 1

"""Password generation from recipes, entropy and strength."""

from __future__ import annotations

import math
import secrets
import string

from .util import bad_request

CHARACTER_SETS = {
    "LETTERS": string.ascii_letters,
    "DIGITS": string.digits,
    "SYMBOLS": "!#$%&()*+,-./:;<=>?@[]^_{|}~",
}
DEFAULT_LENGTH = 32
MIN_LENGTH = 1
MAX_LENGTH = 64


def check_recipe(recipe) -> dict:
    """Validate a GeneratorRecipe; return {length, characterSets, excludeCharacters}."""
    if recipe is None:
        recipe = {}
    if not isinstance(recipe, dict):
        raise bad_request("Invalid recipe: must be an object")
    length = recipe.get("length")
    if length is None:
        length = DEFAULT_LENGTH
    if isinstance(length, bool) or not isinstance(length, int):
        raise bad_request("Invalid recipe: length must be an integer")
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise bad_request("Invalid recipe: length must be between %d and %d, got %d" % (MIN_LENGTH, MAX_LENGTH, length))
    sets = recipe.get("characterSets")
    if sets is None:
        sets = list(CHARACTER_SETS)
    if not isinstance(sets, list):
        raise bad_request("Invalid recipe: characterSets must be a list")
    normalized = []
    for item in sets:
        if not isinstance(item, str) or item.upper() not in CHARACTER_SETS:
            raise bad_request(
                "Invalid recipe: unknown character set %r (use LETTERS, DIGITS, SYMBOLS)" % (item,)
            )
        if item.upper() in normalized:
            raise bad_request("Invalid recipe: character set %s listed twice" % item.upper())
        normalized.append(item.upper())
    if not normalized:
        normalized = list(CHARACTER_SETS)
    exclude = recipe.get("excludeCharacters")
    if exclude is None:
        exclude = ""
    if not isinstance(exclude, str):
        raise bad_request("Invalid recipe: excludeCharacters must be a string")
    pools = [[c for c in CHARACTER_SETS[name] if c not in exclude] for name in normalized]
    if any(not pool for pool in pools):
        raise bad_request("Invalid recipe: excludeCharacters removes every character of a character set")
    return {"length": length, "characterSets": normalized, "excludeCharacters": exclude, "_pools": pools}


def generate(recipe) -> tuple:
    """Return (password, entropy bits) for a recipe (validated here)."""
    checked = check_recipe(recipe)
    pools = checked["_pools"]
    alphabet = sorted({c for pool in pools for c in pool})
    length = checked["length"]
    chars = []
    # One character from each requested set when the length allows, like 1Password.
    if length >= len(pools):
        chars = [secrets.choice(pool) for pool in pools]
    while len(chars) < length:
        chars.append(secrets.choice(alphabet))
    for i in range(len(chars) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    entropy = round(length * math.log2(len(alphabet)), 2)
    return "".join(chars), entropy


def estimate_entropy(value: str) -> float:
    """Entropy of a chosen (not generated) password from its length and character classes."""
    if not value:
        return 0.0
    pool = 0
    if any(c.islower() for c in value):
        pool += 26
    if any(c.isupper() for c in value):
        pool += 26
    if any(c.isdigit() for c in value):
        pool += 10
    if any(not c.isalnum() for c in value):
        pool += 33
    return round(len(value) * math.log2(max(pool, 2)), 2)


def strength(entropy: float) -> str:
    for limit, name in ((30, "TERRIBLE"), (45, "WEAK"), (60, "FAIR"), (75, "GOOD"), (90, "VERY_GOOD"), (120, "EXCELLENT")):
        if entropy < limit:
            return name
    return "FANTASTIC"

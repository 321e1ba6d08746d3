"""HTTP edge: parse, call one service, present.

Routes take ids as `{name:id}`: digits that fit a 64-bit id, or -1 (which no record has, so the request
ends in 404) for those that cannot be one. Starlette's `int` would pass 2**64 on to the database, where
it overflows (SQLite raises) instead of being simply not found.
"""

from starlette.convertors import IntegerConvertor, register_url_convertor


class IdConvertor(IntegerConvertor):
    regex = "[0-9]{1,30}"

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number < 2**63 else -1


register_url_convertor("id", IdConvertor())

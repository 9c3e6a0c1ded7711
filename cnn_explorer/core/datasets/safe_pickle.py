"""Reads CIFAR-style pickles as data, never as code: a tiny interpreter over ``pickletools.genops``.

``pickle.load`` would run whatever a file asks for, so it is never called on
user files. This reader understands only the operations CIFAR batches (and
the test fixtures written with ``pickle.dumps``) use: the protocol header,
frames, dict/list/tuple building, str/bytes/int/float/bool/None constants,
the memo, MARK/APPENDS/SETITEMS, STOP, and numpy arrays. Arrays are
recognised as a pattern, not executed: ``numpy.core.multiarray._reconstruct``
(or ``numpy._core``) + ``numpy.ndarray`` + ``numpy.dtype`` + REDUCE/BUILD
with the raw bytes, or protocol 5's ``_frombuffer``, become
``np.frombuffer``; ``_codecs.encode(text, "latin1")`` (how Python 3 writes
bytes at protocol 2) becomes bytes. Any other global, call or opcode is
refused with a message naming it, before anything could run.
"""

from __future__ import annotations

import io
import pickletools
from typing import Any

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("_codecs", "encode"): "encode",
}
_CONSTANTS = {
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "FLOAT", "BINFLOAT",
    "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
}
_PY2_STRINGS = {"STRING", "BINSTRING", "SHORT_BINSTRING"}  # Python 2 str: bytes
_PUT = {"PUT", "BINPUT", "LONG_BINPUT"}
_GET = {"GET", "BINGET", "LONG_BINGET"}


class _Global:
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Pending:
    """An array or dtype made by REDUCE that gets its contents from a later BUILD."""

    def __init__(self, kind: str, dtype: np.dtype | None = None) -> None:
        self.kind = kind
        self.value: Any = dtype


class UnsafePickle(CnnExplorerError):
    """The file asks for something other than plain data; nothing of it was run."""


def _refuse(what: str, reason: str) -> UnsafePickle:
    return UnsafePickle(f"{what}: refused to read: {reason} (only plain data and numpy arrays are accepted)")


#: the most items (containers, their entries and constants) a pickle may stand for once its shared references
#: are counted as copies: a CIFAR batch holds about 20,000; a "billion laughs" of 230 bytes stands for 2**40
MAX_ITEMS = 10_000_000
#: the most bytes of text, bytes and array data it may stand for, counted the same way
MAX_DATA_BYTES = 2 * 1024**3


class _Resolver:
    """Turns the interpreter's objects into plain data in linear time, sharing what the pickle shares.

    Each object is resolved once (memo by identity), so references shared through the
    pickle's memo are never expanded; the size the data stands for when every shared
    reference is counted as a copy (what a consumer walking it would meet) is counted
    alongside and refused over MAX_ITEMS or MAX_DATA_BYTES.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.done: dict[int, tuple[Any, int, int]] = {}  # id -> (value, items, bytes)
        self.active: set[int] = set()
        self.keep: list[Any] = []  # the resolved objects stay alive, so their ids stay unique

    def __call__(self, obj: Any) -> Any:
        value, items, size = self._resolve(obj)
        if items > MAX_ITEMS or size > MAX_DATA_BYTES:
            raise _refuse(self.what, f"shared references that stand for {_amount(items, size)} "
                                     "(a \"billion laughs\" pickle)")
        return value

    def _resolve(self, obj: Any) -> tuple[Any, int, int]:
        key = id(obj)
        if key in self.done:
            return self.done[key]
        if key in self.active:
            raise _refuse(self.what, "a container nested in itself")
        if isinstance(obj, _Pending):
            if obj.value is None or (obj.kind == "array" and not isinstance(obj.value, np.ndarray)):
                raise _refuse(self.what, f"an incomplete numpy {obj.kind}")
            result = (obj.value, 1, obj.value.nbytes if isinstance(obj.value, np.ndarray) else 0)
        elif isinstance(obj, _Global):
            raise _refuse(self.what, "a bare reference to a global")
        elif isinstance(obj, (list, tuple, dict)):
            self.active.add(key)
            try:
                result = self._container(obj)
            finally:
                self.active.discard(key)
        elif isinstance(obj, (str, bytes, bytearray, np.ndarray)):
            result = (obj, 1, obj.nbytes if isinstance(obj, np.ndarray) else len(obj))
        else:
            result = (obj, 1, 0)
        self.done[key] = result
        self.keep.append(obj)
        return result

    def _container(self, obj: Any) -> tuple[Any, int, int]:
        items, size = 1, 0

        def one(v: Any) -> Any:
            nonlocal items, size
            value, n, b = self._resolve(v)
            items += n
            size += b
            if items > MAX_ITEMS or size > MAX_DATA_BYTES:
                raise _refuse(self.what, f"shared references that stand for {_amount(items, size)} "
                                         "(a \"billion laughs\" pickle)")
            return value

        if isinstance(obj, list):
            value: Any = [one(v) for v in obj]
        elif isinstance(obj, tuple):
            value = tuple(one(v) for v in obj)
        else:
            value = {k: one(v) for k, v in obj.items()}
        return value, items, size


def _amount(items: int, size: int) -> str:
    return f"over {MAX_ITEMS:,} items" if items > MAX_ITEMS else f"over {MAX_DATA_BYTES // 1024**3} GB of data"


def _resolve(obj: Any, what: str) -> Any:
    return _Resolver(what)(obj)


def _plain_dtype(spec: Any, what: str) -> np.dtype:
    if isinstance(spec, bytes):
        spec = spec.decode("latin-1")
    if not isinstance(spec, str):
        raise _refuse(what, f"a dtype given as {type(spec).__name__}")
    try:
        dtype = np.dtype(spec)
    except TypeError:
        raise _refuse(what, f"unknown dtype {spec!r}") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise _refuse(what, f"dtype {spec!r} is not a plain number type")
    return dtype


def _array(raw: Any, dtype: Any, shape: Any, fortran: bool, what: str) -> np.ndarray:
    if not isinstance(dtype, np.dtype):
        raise _refuse(what, "an array without a plain dtype")
    if not isinstance(shape, tuple) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise _refuse(what, f"an array shape of {shape!r}")
    if not isinstance(raw, (bytes, bytearray)):
        raise _refuse(what, "array contents that are not raw bytes (an object array)")
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) != count * dtype.itemsize:
        raise CnnExplorerError(f"{what}: array of shape {shape} needs {count * dtype.itemsize} bytes, has {len(raw)}")
    return np.frombuffer(bytes(raw), dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _reduce(func: Any, args: Any, what: str) -> Any:
    if not isinstance(func, _Global) or not isinstance(args, tuple):
        raise _refuse(what, "a call of something that is not an allowed numpy constructor")
    args = tuple(_resolve(a, what) if not isinstance(a, _Global) else a for a in args)
    if func.kind == "reconstruct":
        if len(args) != 3 or not isinstance(args[0], _Global) or args[0].kind != "ndarray":
            raise _refuse(what, "_reconstruct of something other than numpy.ndarray")
        return _Pending("array")
    if func.kind == "dtype":
        if not args:
            raise _refuse(what, "numpy.dtype without arguments")
        return _Pending("dtype", _plain_dtype(args[0], what))
    if func.kind == "frombuffer":
        if len(args) != 4 or args[3] not in ("C", "F"):
            raise _refuse(what, "_frombuffer with unexpected arguments")
        return _array(args[0], args[1], args[2], args[3] == "F", what)
    if func.kind == "encode":
        if len(args) != 2 or not isinstance(args[0], str) or args[1] not in ("latin1", "latin-1"):
            raise _refuse(what, "_codecs.encode other than text to latin-1 bytes")
        return args[0].encode("latin-1")
    raise _refuse(what, f"a call of {func.kind}")


def _build(obj: Any, state: Any, what: str) -> None:
    if not isinstance(obj, _Pending) or not isinstance(state, tuple):
        raise _refuse(what, "BUILD on something that is not a numpy array or dtype")
    if obj.kind == "dtype":
        if len(state) < 2 or state[1] not in ("<", ">", "|", "=", b"<", b">", b"|", b"="):
            raise _refuse(what, f"a dtype state of {state!r:.60}")
        order = state[1].decode() if isinstance(state[1], bytes) else state[1]
        if order in "<>":
            obj.value = obj.value.newbyteorder(order)
        return
    if len(state) != 5:
        raise _refuse(what, "an array state that is not (version, shape, dtype, fortran, bytes)")
    _, shape, dtype, fortran, raw = (_resolve(s, what) for s in state)
    obj.value = _array(raw, dtype, shape, bool(fortran), what)


def _pop_mark(stack: list, marks: list[int], what: str) -> list:
    if not marks:
        raise _refuse(what, "a malformed pickle (no MARK)")
    start = marks.pop()
    items = stack[start:]
    del stack[start:]
    return items


def safe_loads(data: bytes, what: str = "file") -> Any:
    """The plain data (dicts, lists, tuples, str, bytes, numbers, numpy arrays) a pickle holds, read without running it."""
    stack: list[Any] = []
    marks: list[int] = []
    memo: dict[int, Any] = {}
    try:
        for op, arg, _pos in pickletools.genops(io.BytesIO(data)):
            name = op.name
            if name == "PROTO":
                if arg > 5:
                    raise _refuse(what, f"unknown pickle protocol {arg}")
            elif name == "FRAME":
                pass
            elif name == "STOP":
                if len(stack) != 1 or marks:
                    raise _refuse(what, "a malformed pickle")
                return _resolve(stack.pop(), what)
            elif name == "MARK":
                marks.append(len(stack))
            elif name == "EMPTY_DICT":
                stack.append({})
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "EMPTY_TUPLE":
                stack.append(())
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(name[-1])
                items = stack[-n:]
                del stack[-n:]
                stack.append(tuple(items))
            elif name == "TUPLE":
                stack.append(tuple(_pop_mark(stack, marks, what)))
            elif name == "LIST":
                stack.append(list(_pop_mark(stack, marks, what)))
            elif name == "DICT":
                items = _pop_mark(stack, marks, what)
                stack.append(dict(zip(items[::2], items[1::2])))
            elif name == "APPEND":
                value = stack.pop()
                _container(stack, list, what).append(value)
            elif name == "APPENDS":
                items = _pop_mark(stack, marks, what)
                _container(stack, list, what).extend(items)
            elif name == "SETITEM":
                value, key = stack.pop(), stack.pop()
                _container(stack, dict, what)[_key(key, what)] = value
            elif name == "SETITEMS":
                items = _pop_mark(stack, marks, what)
                target = _container(stack, dict, what)
                for key, value in zip(items[::2], items[1::2]):
                    target[_key(key, what)] = value
            elif name in _PUT:
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in _GET:
                if arg not in memo:
                    raise _refuse(what, f"a memo reference {arg} that was never stored")
                stack.append(memo[arg])
            elif name == "NONE":
                stack.append(None)
            elif name in ("NEWTRUE", "NEWFALSE"):
                stack.append(name == "NEWTRUE")
            elif name in _CONSTANTS:
                stack.append(arg)
            elif name in _PY2_STRINGS:
                stack.append(arg.encode("latin-1") if isinstance(arg, str) else bytes(arg))
            elif name == "BYTEARRAY8":
                stack.append(bytes(arg))
            elif name in ("GLOBAL", "STACK_GLOBAL"):
                if name == "GLOBAL":
                    module, _, attr = str(arg).partition(" ")
                else:
                    attr, module = stack.pop(), stack.pop()
                kind = _GLOBALS.get((module, attr)) if isinstance(module, str) and isinstance(attr, str) else None
                if kind is None:
                    raise _refuse(what, f"it asks for {module}.{attr}")
                stack.append(_Global(kind))
            elif name == "REDUCE":
                args = stack.pop()
                stack.append(_reduce(stack.pop(), args, what))
            elif name == "BUILD":
                state = stack.pop()
                _build(stack[-1], state, what)
            else:
                raise _refuse(what, f"it uses the pickle operation {name}")
    except UnsafePickle:
        raise
    except CnnExplorerError:
        raise
    except RecursionError:  # absurd nesting
        raise _refuse(what, "containers nested too deeply") from None
    except (ValueError, IndexError, KeyError, TypeError, EOFError) as exc:
        raise CnnExplorerError(f"{what}: not a valid pickle file ({exc.__class__.__name__}: {exc})") from None
    raise CnnExplorerError(f"{what}: not a valid pickle file (it ends before STOP)")


def _container(stack: list, kind: type, what: str):
    if not stack or not isinstance(stack[-1], kind):
        raise _refuse(what, f"a malformed pickle (expected a {kind.__name__})")
    return stack[-1]


def _key(key: Any, what: str) -> Any:
    if not isinstance(key, (str, bytes, int, float, bool, tuple, type(None))):
        raise _refuse(what, f"a dict key of type {type(key).__name__}")
    return key

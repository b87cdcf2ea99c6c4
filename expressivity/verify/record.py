"""The record every verifier returns."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from expressivity.errors import check_choice, check_int, check_type

#: The outcomes.  Only "verified" claims that the network is right, only
#: "counterexample" that it is wrong; "rejected" is a certificate that did not go
#: through, "skipped" is nothing checked (the reason says why).
STATUSES = ("verified", "counterexample", "rejected", "skipped")


@dataclass(frozen=True)
class Counterexample:
    """An input on which the network is wrong."""

    bits: tuple[int, ...]
    expected: tuple[int, ...]
    got: tuple[float, ...]

    def __post_init__(self) -> None:
        for name in ("bits", "expected", "got"):
            check_type(getattr(self, name), name, tuple, "a tuple")


@dataclass(frozen=True)
class Verification:
    """What a verifier found.

    Attributes
    ----------
    status : str
        ``"verified"`` (correct on every input), ``"counterexample"`` (wrong on
        ``counterexample``), ``"rejected"`` (a certificate did not go through;
        ``reason`` says where), or ``"skipped"`` (nothing checked; ``reason`` says why).
    method : str
        ``"exhaustive"``, ``"compositional"`` or ``"none"``.
    n_inputs : int
        Number of input bits.
    inputs_checked : int
        Inputs on which the network was run (0 for a certificate or a skip).
    counterexample : Counterexample or None
        The first wrong input in index order.
    reason : str
        The arithmetic used, why something was skipped, or what a certificate checked.
    seconds : float
        Wall time.
    margin : float or None
        For sign-thresholded outputs: the smallest ``(2y - 1) * output`` over all inputs.
    """

    status: str
    method: str
    n_inputs: int
    inputs_checked: int = 0
    counterexample: Counterexample | None = None
    reason: str = ""
    seconds: float = 0.0
    margin: float | None = None

    def __post_init__(self) -> None:
        check_choice(self.status, "status", STATUSES)
        check_type(self.method, "method", str, "a string")
        check_int(self.n_inputs, "n_inputs", minimum=0)
        check_int(self.inputs_checked, "inputs_checked", minimum=0)
        check_type(self.counterexample, "counterexample", (Counterexample, type(None)), "None or a Counterexample")

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

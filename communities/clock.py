"""Time-driven steps of every app, for the one clock (`run_clock`, or the production timer).

An app registers what time alone moves on in its AppConfig.ready(): `register_step(label,
fn)`, where fn(now) returns how many records it moved. Each step must be safe to run twice at
once (lock the row, check its state again under the lock), as consultation's are.
"""

_STEPS = {}


def register_step(label, step):
    _STEPS[label] = step


def run_steps(now):
    """{label: records moved} for every registered step."""
    return {label: step(now) for label, step in _STEPS.items()}

"""Maximum-likelihood fit of a conditional logit (a softmax over each problem's alternatives).

Each problem is one choice: a matrix with a row of features per alternative,
the rows that are right (their mean log-probability is the problem's
likelihood), a weight, and optionally fixed offsets o of the logits.  The weights of the features maximise

    sum_p weight_p * mean_{c in chosen_p} ln softmax(A_p w + o_p)_c  -  l2 / 2 * |w|^2

by Newton's method with a backtracking line search: the objective is concave,
so this converges to the one optimum in a few dozen steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Problem", "fit_conditional_logit", "log_likelihood"]


@dataclass
class Problem:
    """One choice among alternatives."""

    features: NDArray[np.float64]
    chosen: list[int]
    weight: float = 1.0
    offsets: NDArray[np.float64] | None = None  # a fixed part of each alternative's logit

    def logits(self, w: NDArray[np.float64]) -> NDArray[np.float64]:
        values = self.features @ w
        return values if self.offsets is None else values + self.offsets


def _log_softmax(values: NDArray[np.float64]) -> NDArray[np.float64]:
    top = float(values.max())
    return np.asarray(values - top - np.log(np.exp(values - top).sum()), dtype=np.float64)


def log_likelihood(problems: list[Problem], w: NDArray[np.float64], l2: float = 0.0) -> float:
    """The penalised, weighted log-likelihood of the right choices."""
    total = -0.5 * l2 * float(w @ w)
    for problem in problems:
        total += problem.weight * float(_log_softmax(problem.logits(w))[problem.chosen].mean())
    return total


def fit_conditional_logit(
    problems: list[Problem], l2: float = 1.0, start: NDArray[np.float64] | None = None, steps: int = 100
) -> NDArray[np.float64]:
    """The feature weights that maximise the penalised log-likelihood."""
    problems = [p for p in problems if p.chosen and len(p.features)]
    if not problems:
        raise ValueError("nothing to fit: no problem has a right answer among its alternatives")
    k = problems[0].features.shape[1]
    w = np.zeros(k) if start is None else np.asarray(start, dtype=np.float64).copy()
    current = log_likelihood(problems, w, l2)
    for _ in range(steps):
        gradient = -l2 * w
        hessian = -l2 * np.eye(k)
        for problem in problems:
            a = problem.features
            p = np.exp(_log_softmax(problem.logits(w)))
            mean = p @ a
            gradient += problem.weight * (a[problem.chosen].mean(axis=0) - mean)
            hessian -= problem.weight * ((a * p[:, None]).T @ a - np.outer(mean, mean))
        step = -np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-6:
            trial = w + size * step
            value = log_likelihood(problems, trial, l2)
            if value >= current - 1e-12:
                break
            size /= 2
        else:
            break
        improved = value - current
        w, current = trial, value
        if improved < 1e-9:
            break
    return w

"""Sigma rules: routing by log source, compiling to SQL, correlation rules."""

from unmask.detect.sigma.rules import CompiledRule, RuleProblem, RuleSet, load_rules

__all__ = ["CompiledRule", "RuleProblem", "RuleSet", "load_rules"]

"""The glass: recording, analysis, diagnosis, step-by-step explanation and gradient checking.

Everything here reads models, histories and recordings (a ``Sequential``, or a fitted estimator through its
``model_``); nothing in the engine imports it, and nothing here changes a model unless asked.
"""

from .convergence import ConvergenceReport, analyze_convergence, detect_plateaus, weight_evolution
from .diagnose import DIAGNOSIS_TABLE, RULES, Finding, diagnose, render_findings
from .experiments import (
    as_table,
    compare_activations,
    compare_depth_width,
    compare_hidden_sizes,
    compare_initializers,
    compare_learning_rates,
)
from .explain import StepExplanation, explain_perceptron_step, explain_step
from .gradcheck import GradientCheckResult, gradient_check
from .neurons import (
    activation_statistics,
    always_saturated_units,
    dead_units,
    hidden_activations,
    layer_strategy,
    logic_roles,
    neuron_importance,
    never_activating_units,
    saturated_units,
    truth_table_name,
    weight_statistics,
)
from .recorder import TrainingRecorder
from .sensitivity import decision_boundary_grid, feature_sensitivity, input_gradients, noise_robustness

__all__ = [
    "DIAGNOSIS_TABLE",
    "RULES",
    "ConvergenceReport",
    "Finding",
    "GradientCheckResult",
    "StepExplanation",
    "TrainingRecorder",
    "activation_statistics",
    "always_saturated_units",
    "analyze_convergence",
    "as_table",
    "compare_activations",
    "compare_depth_width",
    "compare_hidden_sizes",
    "compare_initializers",
    "compare_learning_rates",
    "dead_units",
    "decision_boundary_grid",
    "detect_plateaus",
    "diagnose",
    "explain_perceptron_step",
    "explain_step",
    "feature_sensitivity",
    "gradient_check",
    "hidden_activations",
    "input_gradients",
    "layer_strategy",
    "logic_roles",
    "neuron_importance",
    "never_activating_units",
    "noise_robustness",
    "render_findings",
    "saturated_units",
    "truth_table_name",
    "weight_evolution",
    "weight_statistics",
]

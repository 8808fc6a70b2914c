"""The glass: recording, analysis, diagnosis, step-by-step explanation and gradient checking.

Everything here reads models, histories and recordings (a ``Sequential``, or a fitted estimator through its
``model_``); nothing in the engine imports it, and nothing here changes a model unless asked.
"""

from .convergence import ConvergenceReport, analyze_convergence, detect_plateaus, weight_evolution
from .explain import StepExplanation, explain_perceptron_step, explain_step
from .gradcheck import GradientCheckResult, gradient_check
from .neurons import (
    activation_statistics,
    dead_units,
    hidden_activations,
    layer_strategy,
    logic_roles,
    neuron_importance,
    saturated_units,
    truth_table_name,
    weight_statistics,
)
from .recorder import TrainingRecorder
from .sensitivity import decision_boundary_grid, feature_sensitivity, input_gradients, noise_robustness

__all__ = [
    "ConvergenceReport",
    "GradientCheckResult",
    "StepExplanation",
    "TrainingRecorder",
    "activation_statistics",
    "analyze_convergence",
    "dead_units",
    "decision_boundary_grid",
    "detect_plateaus",
    "explain_perceptron_step",
    "explain_step",
    "feature_sensitivity",
    "gradient_check",
    "hidden_activations",
    "input_gradients",
    "layer_strategy",
    "logic_roles",
    "neuron_importance",
    "noise_robustness",
    "saturated_units",
    "truth_table_name",
    "weight_evolution",
    "weight_statistics",
]

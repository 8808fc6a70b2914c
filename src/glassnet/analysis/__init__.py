"""The glass: recording, analysis, diagnosis, step-by-step explanation and gradient checking.

Everything here reads models, histories and recordings; nothing in the engine imports it.
"""

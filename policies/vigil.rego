# METADATA
# title: vigil's entry point
# description: Every control's decisions, keyed by the control's package name, in the order of input.secrets.
package vigil

decisions := {name: control.decisions | some name, control in data.secretsmanager}

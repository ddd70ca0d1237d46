# METADATA
# title: vigil's entry point
# description: Every control's decisions, keyed by the control's package name, in the order of input.secrets.
package vigil

decisions := {name: control.decisions | some name, control in data.secretsmanager}

# The decisions of only the controls input.controls names (package names); the others are not evaluated.
selected := {name: data.secretsmanager[name].decisions | some name in input.controls}

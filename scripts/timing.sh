# Sourced by the workflow scripts: `step NAME` prints a header and, from the second call on,
# how long the step before took; `step_done` prints the last step's time.
_step_name=""
_step_start=0
step_time() {
  if [[ -n "$_step_name" ]]; then
    echo ">> $_step_name: $(( $(date +%s) - _step_start )) s"
  fi
}
step() {
  step_time
  _step_name=$1
  _step_start=$(date +%s)
  echo ">> $1"
}
step_done() {
  step_time
  _step_name=""
}

# Sourced by app/entrypoint.sh and app/run.sh, after uwsgi/knobs.sh (knob_fail): each app's own
# settings (docs/apps.md, "Settings"), which only that app's vassal (or gunicorn program), its
# release step and `make run` see:
#   app/NAME/app.env    committed, not secret: KEY=value lines, taken literally (no quotes, no $)
#   NAME__KEY=value     in the container's environment (.env reaches it: compose.yaml's env_file),
#                       NAME as the folder is named, or in capitals, with '-' as '_': replaces
#                       app.env's KEY, whether app.env gives it as a value or as a file
#   KEY_FILE=PATH       in either: a secret, KEY read from the file (a Compose or Swarm secret)
# Where app/entrypoint.sh writes them, NAME.env each, for the vassals and gunicorn programs.
export APP_SETTINGS_DIR=/tmp/settings

# The variable prefix of app NAME's overrides: blog -> blog__, my-blog -> my_blog__ (compared in
# lower case).
settings_prefix() {
  local prefix=${1//-/_}
  echo "${prefix,,}__"
}

# app_settings NAME: app NAME's settings, one KEY=value per line, sorted.
app_settings() {
  local name=$1 file=/srv/app/$1/app.env prefix line key n=0
  local -A settings=() overrides=()
  prefix=$(settings_prefix "$name")
  if [[ -e $file ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      n=$((n + 1))
      [[ ! $line =~ ^[[:space:]]*(#.*)?$ ]] || continue
      [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
        knob_fail "app/$name/app.env, line $n: not KEY=value: $line"
      settings[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    done <"$file"
  fi
  while IFS= read -r key; do
    [[ ${key,,} == "$prefix"?* ]] && overrides[${key:${#prefix}}]=${!key}
  done < <(compgen -e)
  for key in "${!overrides[@]}"; do
    unset "settings[${key%_FILE}]" "settings[${key%_FILE}_FILE]"
  done
  for key in "${!overrides[@]}"; do
    settings[$key]=${overrides[$key]}
  done
  for key in "${!settings[@]}"; do
    [[ $key == ?*_FILE ]] || continue
    [[ -z ${settings[${key%_FILE}]+set} ]] ||
      knob_fail "$name's settings: both ${key%_FILE} and $key are set, in app/$name/app.env or in its overrides: keep one"
    [[ -r ${settings[$key]} ]] ||
      knob_fail "$name's settings: $key: cannot read ${settings[$key]} (a secret not mounted?)"
    settings[${key%_FILE}]=$(<"${settings[$key]}")
    unset "settings[$key]"
  done
  for key in "${!settings[@]}"; do
    [[ ! $key =~ ^(VASSAL_NAME|DATA_DIR)$ ]] ||
      knob_fail "$name's settings: $key is the stack's (uwsgi/vassal-defaults.ini), not a setting"
    [[ ${settings[$key]} != *$'\n'* ]] ||
      knob_fail "$name's settings: $key spans lines; a setting is one line (a file's trailing newline is dropped)"
    printf '%s=%s\n' "$key" "${settings[$key]}"
  done | sort
}

# Stops when an override names no app in /srv/app (a typo would be ignored otherwise).
settings_check_overrides() {
  local key dir prefixes=" "
  for dir in /srv/app/*/; do
    prefixes+="$(settings_prefix "$(basename "$dir")") "
  done
  while IFS= read -r key; do
    [[ $key == [A-Za-z0-9]*__?* ]] || continue
    [[ $prefixes == *" $(settings_prefix "${key%%__*}") "* ]] ||
      knob_fail "$key names no app: an app's setting is NAME__KEY, NAME a folder in app/ ($(cd /srv/app && ls -d -- */ | tr -d / | xargs))"
  done < <(compgen -e)
}

# Removes every override from this shell's environment: each app sees only its own, resolved.
settings_unset_overrides() {
  local key
  while IFS= read -r key; do
    [[ $key != [A-Za-z0-9]*__?* ]] || unset "$key"
  done < <(compgen -e)
}

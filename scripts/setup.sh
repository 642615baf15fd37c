#!/usr/bin/env bash
# Installs the Debian packages attnbench needs, if any is missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
#   scripts/setup.sh          what the build, the sweeps and the plots need
#   scripts/setup.sh --test   also what the tests use if present: Slurm and
#                             munge for the one-node cluster test
#                             (tests/cli/slurm_one_node.sh), PyTorch for the
#                             autograd cross-check (scripts/torch_crosscheck.py).
#                             Best effort: where they cannot be installed,
#                             those tests skip.
set -euo pipefail

packages=(
  cmake ninja-build g++ git
  libhwy-dev libtbb-dev libbenchmark-dev libfmt-dev libgtest-dev
  libcli11-dev nlohmann-json3-dev
  python3 python3-matplotlib python3-numpy
)
optional=()
if [[ ${1:-} == --test ]]; then
  optional=(slurmctld slurmd slurm-client munge python3-torch)
fi

# Prints the packages of "$@" that are not installed.
missing_of() {
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || echo "$p"
  done
}
mapfile -t missing < <(missing_of "${packages[@]}")
mapfile -t missing_optional < <(missing_of "${optional[@]}")

if [[ ${#missing[@]} -eq 0 && ${#missing_optional[@]} -eq 0 ]]; then
  echo "setup: all $((${#packages[@]} + ${#optional[@]})) Debian packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup: optional packages missing (their tests skip):" \
      "${missing_optional[*]}; as root: apt-get install -y ${missing_optional[*]}"
    exit 0
  fi
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: run as root, or install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: missing Debian packages: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "setup: installed ${missing[*]}"
fi
if [[ ${#missing_optional[@]} -gt 0 ]]; then
  # The tests start their own daemons: keep the packages' services from
  # starting at install (policy-rc.d, where none is in place already).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    own_policy=1
  fi
  if apt-get install -y -qq --no-install-recommends "${missing_optional[@]}"; then
    echo "setup: installed ${missing_optional[*]}"
  else
    echo "setup: could not install ${missing_optional[*]}; their tests skip"
  fi
  [[ $own_policy -eq 0 ]] || rm -f "$policy"
fi

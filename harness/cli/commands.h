// The attnbench subcommands. Each Add*Command declares its options on `app`
// and returns what to run when it is the subcommand selected.
#ifndef ATTNBENCH_HARNESS_CLI_COMMANDS_H_
#define ATTNBENCH_HARNESS_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace attnbench::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the process exit code
};

Command AddListCommand(CLI::App& app);
Command AddCheckCommand(CLI::App& app);
Command AddRunCommand(CLI::App& app);
Command AddPeakCommand(CLI::App& app);
Command AddSweepCommand(CLI::App& app);
Command AddMergeCommand(CLI::App& app);

}  // namespace attnbench::cli

#endif  // ATTNBENCH_HARNESS_CLI_COMMANDS_H_

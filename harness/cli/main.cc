// attnbench: the command line of the suite.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <filesystem>
#include <new>

#include "harness/cli/commands.h"
#include "harness/contract/problem.h"

int main(int argc, char** argv) {
  using attnbench::cli::Command;
  CLI::App app{
      "attnbench: masked self-attention variants on the CPU, checked against "
      "a double-precision oracle and timed"};
  app.require_subcommand(1);
  const Command commands[] = {
      attnbench::cli::AddListCommand(app),
      attnbench::cli::AddCheckCommand(app),
      attnbench::cli::AddRunCommand(app),
      attnbench::cli::AddPeakCommand(app),
      attnbench::cli::AddSweepCommand(app),
      attnbench::cli::AddMergeCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "attnbench: error: {} (see --help)\n", e.what());
    return 2;
  }
  try {
    for (const Command& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const attnbench::InvalidArgument& e) {
    fmt::print(stderr, "attnbench: error: {}\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "attnbench: error: out of memory\n");
    return 3;
  } catch (const std::filesystem::filesystem_error& e) {
    fmt::print(stderr, "attnbench: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {  // a bug: say so in one line
    fmt::print(stderr, "attnbench: internal error: {}\n", e.what());
    return 3;
  }
  return 2;
}

// `flexcim sweep`: a design-space sweep over one base scenario. A sweep file names
// the scenario and the axes (--set-style keys with lists of values): a grid
// (cartesian product), zipped lists (varied together), explicit points and a list
// of architectures; every factor multiplies the others. Each point is one
// `flexcim run` in its own process, N at a time, in DIR/points/NNNN/; its row in
// DIR/results.csv and results.json holds the parameters and the run's metrics, or
// the error that stopped it.
//
// Resumable: a point whose stats.json (complete, made by the same command) exists
// is not run again; failed points are. The results files are rewritten (atomically)
// after every point, so a Ctrl-C or a kill leaves them consistent, holding every
// point finished so far. Bad sweep input (not YAML, an unknown key, an axis with no
// values, a value no point can run with) is refused before any point runs.
//
// With --slurm the points go to a cluster: DIR/manifest.json and DIR/sweep.sbatch
// (a job array; each task runs `flexcim sweep point DIR INDEX`), and
// `flexcim sweep collect DIR` writes the results files from what the tasks left.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace flexcim {

struct SweepOptions {
  std::string sweep_file;
  std::string out_dir;  // default out/sweep-<name>
  unsigned jobs = 0;    // points at a time; 0 = one per hardware thread
  bool slurm = false;   // write the job array instead of running
  std::vector<std::string> sbatch;  // extra #SBATCH options (--slurm)
  bool quiet = false;   // no progress on stderr
  // Whether a `flags:` entry is an option of `flexcim run` (by its name, e.g. "--vcd").
  std::function<bool(const std::string&)> is_run_flag;
};

// Exit status: 0 every point ran and matched the golden check, 1 some point failed
// or mismatched (its row says which), 128 + n stopped by signal n. Throws
// ConfigError for bad input before any point runs.
int sweep(const SweepOptions& options);

// Writes DIR/results.csv and results.json from the points of DIR/manifest.json.
// Exit status as sweep(); points not finished yet make it 1.
int sweep_collect(const std::string& dir);

// Runs point `index` of DIR/manifest.json (a Slurm array task); returns its exit status.
int sweep_point(const std::string& dir, size_t index);

}  // namespace flexcim

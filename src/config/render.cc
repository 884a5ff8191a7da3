#include "config/field_io.h"
#include "config/load.h"
#include "config/scalar.h"
#include "config/yaml_writer.h"

namespace tmon::config {

std::string render_effective_config(const Config& config) {
  // One map keyed by file name: each subtree is that file's effective
  // content, so it can be compared with (or pasted into) the file.
  Writer w;
  w.begin_map();
  w.value("config_dir", config.config_dir);
  w.begin_map("api_keys.yaml");
  write_fields(w, config);  // Config's own table: the keys of api_keys.yaml
  w.end_map();
  write_field(w, "kafka.yaml", config.kafka, kPlain);
  write_field(w, "monitoring.yaml", config.monitoring, kPlain);
  write_field(w, "pipeline.yaml", config.pipeline, kPlain);
  w.end_map();
  return w.text() + "\n";
}

}  // namespace tmon::config

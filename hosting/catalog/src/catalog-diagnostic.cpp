#include "aap/hosting/catalog-diagnostic.h"

namespace aap {

std::string CatalogDiagnostic::toString() const {
    std::string s = file;
    if (line > 0) {
        s += ':' + std::to_string(line);
        if (column > 0)
            s += ':' + std::to_string(column);
    }
    s += severity == DiagnosticSeverity::Error ? ": error: " : ": warning: ";
    s += message;
    return s;
}

}  // namespace aap

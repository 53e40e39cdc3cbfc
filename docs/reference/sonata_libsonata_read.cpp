// Reads a SONATA spike file with libsonata's SpikeReader and prints, per
// population, the sorting, the time units, the number of spikes and the
// first three (node id, time) pairs, as libsonata sees them.
//
// Not a test dependency. Built here (Debian 12, libhdf5-dev 1.10.8,
// libfmt-dev) from libsonata's sources without CMake:
//
//   git clone https://github.com/BlueBrain/libsonata     # 9aa16cf
//   git clone https://github.com/BlueBrain/HighFive      # v2.10.0 (4a326f35), libsonata's submodule
//   S=libsonata/src
//   g++ -std=c++17 -Ilibsonata/include -I$S -IHighFive/include -I/usr/include/hdf5/serial \
//       sonata_libsonata_read.cpp $S/report_reader.cpp $S/selection.cpp $S/common.cpp $S/hdf5_mutex.cpp \
//       -o read_spikes -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lfmt
//   ./read_spikes out/cuba/spikes.h5
#include <bbp/sonata/report_reader.h>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: read_spikes FILE.h5\n");
        return 2;
    }
    bbp::sonata::SpikeReader reader(argv[1]);
    for (const auto& name : reader.getPopulationNames()) {
        const auto& pop = reader.openPopulation(name);
        auto spikes = pop.get();
        double t0, t1;
        std::tie(t0, t1) = pop.getTimes();
        std::printf("%s sorting=%d units=%s n=%zu tstart=%g tstop=%g first=", name.c_str(),
                    static_cast<int>(pop.getSorting()), pop.getTimeUnits().c_str(), spikes.size(), t0, t1);
        for (size_t i = 0; i < spikes.size() && i < 3; ++i) {
            std::printf("(%llu,%g) ", static_cast<unsigned long long>(spikes[i].first), spikes[i].second);
        }
        std::printf("\n");
    }
    return 0;
}

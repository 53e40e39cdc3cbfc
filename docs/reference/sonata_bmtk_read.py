"""Read a SONATA spike file with BMTK's spike-train reader and print what
BMTK sees. BMTK is not packaged for Debian; its reader is pure Python:

    git clone https://github.com/AllenInstitute/bmtk   # 7e040d05 was read here
    apt-get install python3-h5py python3-pandas python3-six
    BMTK=bmtk /usr/bin/python3 docs/reference/sonata_bmtk_read.py out/cuba/spikes.h5

Not a test dependency."""
import os
import sys
sys.path.insert(0, os.environ.get("BMTK", "bmtk"))
from bmtk.utils.reports.spike_trains import SpikeTrains

st = SpikeTrains.from_sonata(sys.argv[1])
for pop in st.populations:
    print(pop, "sort_order:", st.sort_order(pop) if hasattr(st, "sort_order") else "?",
          "n_spikes:", st.n_spikes(pop))
    df = st.to_dataframe(populations=pop)
    print(df.head(3).to_string())

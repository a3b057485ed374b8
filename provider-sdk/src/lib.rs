//! The remote-content contract and the server kit for entities. (Not built yet: see issue 6.)

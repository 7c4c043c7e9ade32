"""`make bench`: the product's own overhead, each figure against a baseline measured in the
same run on the same machine. Not part of `make test`."""

"""RareMap: an open-source platform for disease communities."""

"""What the commission demo steps (`commissions.demo`) write: the book, the sales and their six
source files, the statements. Importing this package registers nothing; `commissions.demo`
registers the steps (found by revops.demo's autodiscovery).
"""

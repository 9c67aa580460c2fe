#include <models/services_model.h>
#include <widgets/score_part_delegate.h>
#include <widgets/services_view.h>

#include <QHeaderView>
#include <QLabel>
#include <QTreeView>
#include <QVBoxLayout>

namespace ToolCapture {

ServicesView::ServicesView(QWidget *parent)
    : QWidget(parent)
    , m_model(new ServicesModel(this))
    , m_tree(new QTreeView)
    , m_routing(new QLabel) {
    setObjectName(QStringLiteral("servicesView"));
    m_tree->setObjectName(QStringLiteral("servicesTree"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto *delegate =
        new ScorePartDelegate(ServicesModel::BarRole, ServicesModel::ExcludedRole, m_tree);
    for (auto column : {ServicesModel::Column::Score, ServicesModel::Column::Performance,
                        ServicesModel::Column::Reliability, ServicesModel::Column::Load,
                        ServicesModel::Column::Compatibility}) {
        m_tree->setItemDelegateForColumn(int(column), delegate);
        m_tree->header()->resizeSection(int(column), 110);
    }
    m_tree->header()->resizeSection(int(ServicesModel::Column::Name), 160);
    m_tree->header()->resizeSection(int(ServicesModel::Column::Health), 120);
    m_tree->header()->setStretchLastSection(true);
    // A new structure (first document, a service added): show every instance.
    connect(m_model, &QAbstractItemModel::modelReset, m_tree, &QTreeView::expandAll);

    m_routing->setObjectName(QStringLiteral("routingExplanation"));
    m_routing->setWordWrap(true);
    m_routing->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_routing->setText(tr("Select a service to see how its requests are routed."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_routing);

    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ServicesView::showRouting);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ServicesView::showRouting);
}

QStringList ServicesView::subjects() {
    return ServicesModel::subjects();
}

void ServicesView::apply(const FeedMessage &message) {
    m_model->apply(message);
}

QString ServicesView::routingText() const {
    return m_routing->text();
}

void ServicesView::showRouting() {
    QModelIndex current = m_tree->currentIndex();
    if (!current.isValid())
        return;
    QModelIndex service = current.parent().isValid() ? current.parent() : current;
    service = service.siblingAtColumn(int(ServicesModel::Column::Why));
    QString text =
        tr("%1: %2").arg(service.siblingAtColumn(0).data().toString(), service.data().toString());
    if (current.parent().isValid()) {
        const QModelIndex why = current.siblingAtColumn(int(ServicesModel::Column::Why));
        if (!why.data().toString().isEmpty()) {
            text += u'\n' + tr("%1: %2").arg(current.siblingAtColumn(0).data().toString(),
                                             why.data().toString());
        }
    }
    m_routing->setText(text);
}

} // namespace ToolCapture
